export class C { private n = 0; a(): void { this.n++; } }
