export default function (a: string, b: number): void {}
