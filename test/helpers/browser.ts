// Debian's Chromium for the browser tests, driven by playwright-core.
import { readdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/** Headless, and quiet: no connection of its own to anywhere (this network has none). */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: [...ARGS, ...extraArgs] });
}

const interfaces = () => readdirSync("/sys/class/net").sort().join(" ");

/**
 * Until the host's network interfaces have not changed for two seconds (30 s at most).
 * Every container Docker starts or removes adds or drops one (its veth), and Chromium
 * takes that for a network change: it aborts whatever it is loading with
 * ERR_NETWORK_CHANGED, the page's own API requests included.
 */
async function interfacesSettled(): Promise<void> {
  const until = Date.now() + 30_000;
  let seen = interfaces();
  let since = Date.now();
  while (Date.now() - since < 2_000 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    const now = interfaces();
    if (now !== seen) [seen, since] = [now, Date.now()];
  }
}

/** page.goto once the host's interfaces have settled; again if a change aborted it all the same. */
export async function goto(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await interfacesSettled();
    try {
      await page.goto(url);
      return;
    } catch (err) {
      if (attempt === 5 || !String(err).includes("ERR_NETWORK_CHANGED")) throw err;
    }
  }
}

/**
 * From a Jupyter tree page the browser is on: a new notebook `name` made by the page's own
 * request (with Jupyter's XSRF token from the page's cookie); the HTTP status it got.
 */
export function newNotebook(page: Page, name: string): Promise<number> {
  return page.evaluate(async (file) => {
    const xsrf = /_xsrf=([^;]+)/.exec((globalThis as any).document.cookie)?.[1] ?? "";
    const r = await fetch(`api/contents/${file}`, {
      method: "PUT",
      headers: { "X-XSRFToken": xsrf, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "notebook" }),
    });
    return r.status;
  }, name);
}

/** In a classic Notebook page: a new cell with `code`, run through the kernel; its output and prompt number. */
export async function notebookCell(page: Page, code: string): Promise<{ text: string; count: number }> {
  const before = await page.evaluate(() => (globalThis as any).Jupyter.notebook.get_cells().length);
  await page.evaluate((source) => {
    const nb = (globalThis as any).Jupyter.notebook;
    const cell = nb.insert_cell_at_bottom("code");
    cell.set_text(source);
    nb.select(nb.find_cell_index(cell));
    cell.execute();
  }, code);
  const done = await page.waitForFunction(
    (index) => {
      const cell = (globalThis as any).Jupyter.notebook.get_cell(index);
      const count = cell.input_prompt_number;
      return (
        typeof count === "number" && cell.output_area.outputs.length > 0 && { text: cell.output_area.outputs.map((o: any) => o.text ?? "").join(""), count }
      );
    },
    before,
    { timeout: 90_000 },
  );
  return done.jsonValue() as Promise<{ text: string; count: number }>;
}
