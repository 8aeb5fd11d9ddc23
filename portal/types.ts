// What /portal/api answers, as far as the pages read it.

export type AccountKind = 'company' | 'merchant';

export type Account = {
  id: string;
  email: string;
  kind: AccountKind;
  created_at: string;
  company: { id: string; name: string; client_id: string } | null;
  merchant: { id: string; name: string; slug: string } | null;
};

export type Me = { account: Account | null; csrf: string | null };

export type SignUpAnswer = Me & {
  account: Account;
  csrf: string;
  credentials?: { client_id: string; secret_key: string; webhook_secret: string };
};

export type Company = {
  id: string;
  name: string;
  client_id: string;
  secret_key_hint: string;
  webhook_url: string | null;
  allowed_tools: string[] | null;
  created_at: string;
  updated_at: string;
};

export type Page<T> = { count: number; next: string | null; previous: string | null; results: T[] };

export type User = {
  id: string;
  external_user_id: string;
  display_name: string;
  spending_limits: { per_order: string | null; per_day: string | null };
  created_at: string;
};

export type ChatMessage = {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  products?: { title?: string; name?: string }[];
  order?: { id?: string; status?: string };
  timestamp: string;
};

export type OrderItem = {
  product_id: string;
  variant_id: string;
  product_title: string;
  variant_title: string;
  merchant: string;
  merchant_id: string;
  quantity: number;
  price: string;
  line_total: string;
};

export type Address = {
  recipient_name: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  phone: string;
};

export type Tracking = { carrier?: string; number?: string; url?: string } | null;

export type Order = {
  id: string;
  status: string;
  status_reason: string | null;
  amount: string;
  currency: string;
  items: OrderItem[];
  shipping_address: Address;
  transaction_id: string | null;
  tracking: Tracking;
  created_at: string;
  updated_at: string;
  user_id?: string;
};

export type OrderDetail = Order & {
  user_id: string;
  events: { status: string; previous_status: string | null; actor: string; note: string; at: string }[];
};

export type Delivery = {
  id: string;
  event: string;
  status: string;
  order_id: string | null;
  merchant_id: string | null;
  url: string | null;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_response: string | null;
  last_duration_ms: number | null;
  payload: Record<string, unknown>;
  created_at: string;
  delivered_at: string | null;
};

export type WebhookTestReport = {
  url: string;
  ok: boolean;
  results: {
    event: string;
    event_id: string;
    verdict: 'OK' | 'PROBLEM';
    explanation: string;
    status_code: number | null;
    duration_ms: number;
    answer: string;
  }[];
};

export type Connection = {
  merchant_id: string;
  platform: 'shopify' | 'woocommerce';
  base_url: string;
  webhook_url: string;
  last_full_sync_at: string | null;
  last_reconciled_at: string | null;
};

export type MerchantInfo = {
  merchant: {
    id: string;
    name: string;
    slug: string;
    platform: string;
    store_url: string | null;
    status: string;
  };
  connection: Connection | null;
};

export type SyncRun = {
  id: string;
  kind: 'full' | 'reconcile';
  status: 'running' | 'succeeded' | 'failed';
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  errors: string[];
  started_at: string;
  finished_at: string | null;
};

export type Product = {
  id: string;
  title: string;
  status: string;
  vendor: string;
  product_type: string;
  image_url: string | null;
  product_url: string | null;
  variants: number;
  min_price: string | null;
  max_price: string | null;
  currency: string | null;
  stock: number;
  updated_at: string;
};

export type MerchantOrder = {
  id: string;
  status: string;
  created_at: string;
  currency: string;
  items: OrderItem[];
  subtotal: string;
  shipping_address: Address;
  other_merchants: boolean;
  part: { status: string; tracking: Tracking; store_order_id: string } | null;
  tracking: Tracking;
  can_ship: boolean;
};
