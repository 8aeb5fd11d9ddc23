// Page-number pagination in the reference's envelope: {count, next, previous, results}.
import { z } from 'zod';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('Page number, from 1.'),
  page_size: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Results per page, 1 to ${MAX_PAGE_SIZE}.`),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    count: z.number().int().describe('Total results across all pages.'),
    next: z.string().nullable().describe('Path of the next page, or null on the last.'),
    previous: z.string().nullable().describe('Path of the previous page, or null on the first.'),
    results: z.array(item),
  });

export function offsetOf(q: PageQuery) {
  return { offset: (q.page - 1) * q.page_size, limit: q.page_size };
}

/** The envelope for one page; links keep the request's path, its other parameters and page_size. */
export function pageEnvelope<T>(
  path: string,
  q: PageQuery,
  count: number,
  results: T[],
  params: Record<string, string> = {},
) {
  const link = (page: number) => {
    const search = new URLSearchParams(params);
    search.set('page', String(page));
    if (q.page_size !== DEFAULT_PAGE_SIZE) search.set('page_size', String(q.page_size));
    return `${path}?${search.toString()}`;
  };
  const lastPage = Math.max(1, Math.ceil(count / q.page_size));
  return {
    count,
    next: q.page < lastPage ? link(q.page + 1) : null,
    previous: q.page > 1 ? link(Math.min(q.page - 1, lastPage)) : null,
    results,
  };
}
