class Sub { private n = 1; private extra = true; id = ""; bump(): void { this.n++; void this.extra; } }
export class Host { remove(s: Sub): void { void s; } }
