// Account vocabulary shared by the API, the setup-link workflow and its activity.

export interface SetupLinkRequest {
  /** Lower-cased, as users.email stores it. */
  email: string;
}

export interface SetupLinkOutcome {
  status: 'sent' | 'no_account';
}
