// Account vocabulary shared by the API, the setup-link workflow and its activity.

export interface SetupLinkRequest {
  /** Lower-cased, as users.email stores it. */
  email: string;
}

export interface SetupLinkOutcome {
  status: 'sent' | 'no_account';
}

/** One setup-link workflow per email at a time: a burst of requests while one is sending joins it. */
export function setupLinkWorkflowId(email: string): string {
  return `setup-link-${email}`;
}
