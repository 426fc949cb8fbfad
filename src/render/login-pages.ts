// The login's two pages, as oauth2-proxy's templates (Go html/template, which escapes
// what it inserts): the sign-in page and the error page. Plain HTML, no script, no
// style sheet from elsewhere; neither names any user of the host.
import type { LoginModel } from "../model/front-door";

const HEAD =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  "<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.3rem 0}input,button{padding:.4rem;box-sizing:border-box}.alert{color:#a00}</style>";

/** The sign-in page: the password form (password), or the provider's button where the provider is not gone to directly (oidc). */
export function signInPage(login: LoginModel): string {
  const body =
    login.method === "password"
      ? '<form method="POST" action="{{.ProxyPrefix}}/sign_in"><input type="hidden" name="rd" value="{{.Redirect}}">' +
        '<label for="username">User name</label><input type="text" name="username" id="username" autocomplete="username" autofocus required>' +
        '<label for="password">Password</label><input type="password" name="password" id="password" autocomplete="current-password" required>' +
        '<button type="submit">Sign in</button></form>' +
        '{{if eq .StatusCode 400 401}}<p class="alert" role="alert">Wrong user name or password.</p>{{end}}'
      : '<form method="GET" action="{{.ProxyPrefix}}/start"><input type="hidden" name="rd" value="{{.Redirect}}"><button type="submit">Sign in with your institution\'s account</button></form>';
  return `{{define "sign_in.html"}}${HEAD}<title>Sign in</title></head><body><h1>Sign in</h1>${body}</body></html>{{end}}\n`;
}

/**
 * The error page. A refusal (403: signed in at the provider as someone who is not one of
 * this host's users) says so without naming anyone: not who was refused, not who would be
 * let in.
 */
export function errorPage(): string {
  return (
    `{{define "error.html"}}${HEAD}<title>{{.StatusCode}} {{.Title}}</title></head><body>` +
    "<h1>{{.StatusCode}} {{.Title}}</h1>" +
    "{{if eq .StatusCode 403}}<p>Your account is not one of this server's users. If you should have a workspace here, ask the admin.</p>" +
    "{{else}}<p>The sign-in did not work. Try again; if it keeps failing, ask the admin.</p>{{end}}" +
    '<p><a href="{{.ProxyPrefix}}/sign_in">Sign in again</a></p></body></html>{{end}}\n'
  );
}
