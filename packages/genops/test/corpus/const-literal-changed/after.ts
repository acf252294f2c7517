export const MODE = 'b';
