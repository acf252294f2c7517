export let level: number = 1;
