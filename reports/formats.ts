/**
 * The report formats, by name: each one pure renderer from parity.json's data to the text of
 * one file. `kvparity report --format=md,html` picks some; adding a format is one entry here.
 */
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { Parity } from './types.ts';

export interface ReportFormat {
  file: string;
  render(parity: Parity): string;
}

export const REPORT_FORMATS = {
  json: { file: 'parity.json', render: (parity) => JSON.stringify(parity, null, 2) + '\n' },
  md: { file: 'parity.md', render: renderMarkdown },
  html: { file: 'parity.html', render: renderHtml },
} satisfies Record<string, ReportFormat>;

export type ReportFormatName = keyof typeof REPORT_FORMATS;

export const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormatName[];

export const isReportFormat = (name: string): name is ReportFormatName => Object.hasOwn(REPORT_FORMATS, name);
