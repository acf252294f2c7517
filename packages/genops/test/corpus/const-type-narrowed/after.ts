export const LIMIT: number = 5;
