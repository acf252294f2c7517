export enum Mode { A = 'a', B = 'b' }
