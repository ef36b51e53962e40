/**
 * Vega-Lite specifications rendered to SVG in Node: vega-lite compiles the specification to a
 * Vega one, and a headless vega View (renderer 'none', no DOM, no canvas) writes its SVG. The
 * libraries are loaded on first use only (they are large and only reports need them).
 */
import type { TopLevelSpec } from 'vega-lite';

let libraries: Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite') }> | undefined;
const load = () => (libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite })));

/** The SVG text of a Vega-Lite specification (its data inline). */
export const renderVegaLiteSvg = async (spec: TopLevelSpec): Promise<string> => {
  const { vega, vegaLite } = await load();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};
