export let level: number | string = 1;
