// Colours per class, distinguishable on light and dark backgrounds: Tableau 10 for up to ten classes (MNIST's digits,
// Fashion-MNIST's garments), Tableau 20 for up to twenty; beyond that, hues spread by the golden angle at three
// lightnesses, so neighbouring classes never share a colour (a legend then says how many classes there are).
export const DIGIT_COLORS = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
] as const;

const TABLEAU_20 = [
  '#4e79a7', '#a0cbe8', '#f28e2b', '#ffbe7d', '#59a14f', '#8cd17d', '#b6992d', '#f1ce63', '#499894', '#86bcb6',
  '#e15759', '#ff9d9a', '#79706e', '#bab0ac', '#d37295', '#fabfd2', '#b07aa1', '#d4a6c8', '#9d7660', '#d7b5a6',
] as const;

/** The colour of class `label` among `classes`. */
export function classColor(label: number, classes: number): string {
  if (classes <= DIGIT_COLORS.length) return DIGIT_COLORS[label] ?? DIGIT_COLORS[0];
  if (classes <= TABLEAU_20.length) return TABLEAU_20[label] ?? TABLEAU_20[0];
  const hue = (label * 137.508) % 360;
  const lightness = [52, 68, 40][label % 3];
  return `hsl(${hue.toFixed(1)} 62% ${lightness}%)`;
}

/** One colour for every point of an unlabelled set. */
export const UNLABELLED_COLOR = '#7f8aa0';
