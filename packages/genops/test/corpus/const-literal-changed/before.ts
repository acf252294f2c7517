export const MODE = 'a';
