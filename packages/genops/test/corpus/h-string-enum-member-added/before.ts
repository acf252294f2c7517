export enum Mode { A = 'a' }
