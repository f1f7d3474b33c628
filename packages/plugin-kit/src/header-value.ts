// Node refuses header values outside tab, printable ASCII and Latin-1; we keep to printable ASCII.
const unsafeChar = /[^\t\x20-\x7e]/;
const unsafeChars = /[^\t\x20-\x7e]/gu;

function percentEncode(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    // A lone surrogate has no UTF-8 form.
    return '%EF%BF%BD';
  }
}

/**
 * A text made safe as an HTTP header value: every character outside printable ASCII (CR, LF, NUL,
 * non-Latin-1 such as `模型`) is percent-encoded as UTF-8, so no value can make `writeHead` throw or
 * split a header. Surfaces pass any header value that comes from request or upstream data through it.
 */
export function headerValue(text: string): string {
  return unsafeChar.test(text) ? text.replace(unsafeChars, percentEncode) : text;
}
