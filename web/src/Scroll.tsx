import type { ReactNode } from 'react';

/** A horizontally scrollable region (wide tables on a phone), reachable and scrollable by keyboard. */
export function Scroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to be scrolled by keyboard (axe scrollable-region-focusable)
    <section className="scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
