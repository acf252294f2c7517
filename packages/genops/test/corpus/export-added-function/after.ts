export function a(): void {}
export function b(): void {}
