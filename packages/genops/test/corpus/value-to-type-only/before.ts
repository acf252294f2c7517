class Impl { x = 1 }
export { Impl };
