// What the chat socket sends (/ws/agent/?token=…&stream=1), as far as the widget reads it.

export type Variant = {
  id: string;
  title: string;
  options?: Record<string, string>;
  price: string;
  currency?: string;
  available_qty?: number;
  in_stock: boolean;
};

export type Product = {
  id: string;
  title: string;
  name?: string;
  merchant?: string;
  image_url?: string | null;
  price?: string | null;
  currency?: string | null;
  in_stock?: boolean;
  variants?: Variant[];
};

export type OrderItem = {
  product?: string;
  product_title?: string;
  variant?: string;
  variant_title?: string;
  qty?: number;
  quantity?: number;
  price?: string;
  line_total?: string;
};

export type Order = {
  id: string;
  status: string;
  status_reason?: string | null;
  amount: string;
  currency?: string;
  items?: OrderItem[];
};

export type ServerEvent =
  | { type: 'agent_response'; message: string; products?: Product[]; order?: Order }
  | { type: 'agent_response_delta'; delta: string }
  | { type: 'tool_call'; tool: string; status: 'started' | 'done' | 'error' }
  | { type: 'error'; code: string; message: string; retryable?: boolean };

export type Settings = {
  /** Where the server is: ws(s)://… is derived from it. */
  server: string;
  /** A session token given in the page (data-token), used once; data-session-url gives fresh ones. */
  token?: string;
  /** The integrator's own endpoint that answers POST with {token} from POST /api/v1/sessions/. */
  sessionUrl?: string;
  title: string;
  greeting: string;
  open: boolean;
};
