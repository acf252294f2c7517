export enum Color { Red = 'RED', Green = 'green' }
