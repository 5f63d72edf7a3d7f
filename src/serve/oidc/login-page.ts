/** The built-in issuer's sign-in page: plain HTML, labelled fields, no script, errors announced to screen readers. */

const esc = (s: string): string => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The form posts back to the same URL; the authorization request travels in hidden fields. */
export function loginPageHtml(o: { action: string; hidden: Readonly<Record<string, string>>; username?: string; error?: string; demo?: boolean }): string {
  const hidden = Object.entries(o.hidden).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('\n    ')
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in to AKKO</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}label{display:block;margin-top:1rem}
input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem}button{margin-top:1.5rem;padding:.5rem 1.5rem;font-size:1rem}
.error{color:#a00;border:1px solid #a00;padding:.5rem}</style></head>
<body>
<main>
  <h1>Sign in to AKKO</h1>
  ${o.demo ? '<p><strong>Demo realm:</strong> the users and passwords are public; do not put real data here.</p>' : ''}
  ${o.error ? `<p class="error" role="alert" id="login-error">${esc(o.error)}</p>` : ''}
  <form method="post" action="${esc(o.action)}">
    ${hidden}
    <label for="username">User name</label>
    <input type="text" id="username" name="username" autocomplete="username" required autofocus value="${esc(o.username ?? '')}"${o.error ? ' aria-describedby="login-error"' : ''}>
    <label for="password">Password</label>
    <input type="password" id="password" name="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
</main>
</body>
</html>
`
}

/** A page for errors that must not be redirected (unknown client, unregistered redirect URI). */
export function errorPageHtml(title: string, message: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>\n<body><main><h1>${esc(title)}</h1><p role="alert">${esc(message)}</p></main></body></html>\n`
}
