class Sub { private n = 0; id = ""; bump(): void { this.n++; } }
export class Host { remove(s: Sub): void { void s; } }
