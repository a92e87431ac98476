// The server's live log, as its console shows it under the status panel (no message bodies).
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import type { VNode } from 'preact';
import type { DashboardLogLine } from '../../../../protocol/dashboard.js';
import { Panel } from './panels.js';

/** Keep the view at the bottom while the reader is there; leave it alone when they scrolled up. */
export function useStickToBottom(length: number): { current: HTMLElement | null } {
  const ref = useRef<HTMLElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const onScroll = (): void => {
      atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    };
    element.addEventListener('scroll', onScroll);
    return () => element.removeEventListener('scroll', onScroll);
  }, []);
  useEffect(() => {
    const element = ref.current;
    if (element && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [length]);
  return ref;
}

export function LiveLog({ lines }: { lines: DashboardLogLine[] }): VNode {
  const ref = useStickToBottom(lines.length);
  return html`<${Panel} id="live-log" title="Live log" span=${true}>
    <ol class="log-lines" role="log" aria-label="Live log" aria-live="off" tabindex="0" ref=${ref}>
      ${lines.map(
        (line, index) => html`<li key=${index} class=${`level-${line.level}`}>
          <time datetime=${line.time}>${new Date(line.time).toLocaleTimeString()}</time> <span class="level">${line.level}</span> <span class="text">${line.text}</span>
        </li>`,
      )}
    </ol>
  <//>`;
}
