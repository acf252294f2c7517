export type Status = 'ok' | 'failed';
export function status(): Status { return 'ok'; }
