// A yes/no setting read from env: `true`/`1` or `false`/`0`, anything else refused, so a typo never reads as off.
import { z } from 'zod';

export const envBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
