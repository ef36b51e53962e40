/**
 * Normalised area under a learning curve: the trapezoid area over [x_0, x_last] divided by its
 * width, i.e. the average return over training (a method that learns earlier scores higher at the
 * same final return). A single point is its own value.
 */
export const areaUnderCurve = (curve: { readonly x: readonly number[]; readonly y: readonly number[] }): number => {
  const { x, y } = curve;
  if (x.length !== y.length || x.length === 0) throw new Error(`areaUnderCurve: ${x.length} x values and ${y.length} y values`);
  if (x.length === 1) return y[0];
  let area = 0;
  for (let k = 1; k < x.length; k++) area += ((y[k] + y[k - 1]) / 2) * (x[k] - x[k - 1]);
  return area / (x[x.length - 1] - x[0]);
};
