// The bench's SMTP server as its own process: the chaos run's counter, accepting every message on SMTP_SINK_PORT.
import { mailCounter } from '../scripts/chaos/mailCounter.js';

const port = Number(process.env.SMTP_SINK_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('SMTP_SINK_PORT must name the port to listen on');
const sink = mailCounter(port);
await sink.start();
process.stdout.write(`${JSON.stringify({ msg: 'smtp sink ready', port })}\n`);
process.once('SIGTERM', () => void sink.stop().then(() => process.exit(0)));
