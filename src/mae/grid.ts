/** The square patch grid: how many patches make a side. One helper for every module that needs it. */

/** Side of the square patch grid: sqrt(numPatches); throws unless that is a whole positive number. */
export function gridSide(numPatches: number): number {
  const side = Math.round(Math.sqrt(numPatches));
  if (!Number.isInteger(numPatches) || numPatches <= 0 || side * side !== numPatches) {
    throw new RangeError(`${numPatches} patches do not make a square grid`);
  }
  return side;
}
