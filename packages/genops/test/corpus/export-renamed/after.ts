export const maxLimit = 5;
