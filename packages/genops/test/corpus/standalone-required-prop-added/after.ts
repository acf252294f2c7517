export interface Plugin { name: string; version: number }
