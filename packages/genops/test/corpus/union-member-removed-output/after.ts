export type Status = 'ok';
export function status(): Status { return 'ok'; }
