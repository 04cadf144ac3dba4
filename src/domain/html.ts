// Escaping text for HTML, shared by the emails and the few pages the API serves.
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
