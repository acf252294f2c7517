export const LIMIT: number | undefined = 5;
