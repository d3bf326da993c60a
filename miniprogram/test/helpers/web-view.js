// What a Mini Program <web-view> does with a URL, for the end-to-end tests: a small browser over REAL HTTP (Node
// http/https) with a cookie jar, that follows redirects, reads HTML and submits its forms. Enough for OAuth's
// browser leg (the ORCID proof: our start page, ORCID's authorize page, our callback), not a general browser.
//
// Cookies as a browser keeps them (RFC 6265): per host (not per port), sent to paths under the cookie's Path,
// HttpOnly ones included (HttpOnly only hides them from page scripts); Max-Age <= 0 deletes. Redirects (301, 302,
// 303, 307, 308) are followed up to MAX_REDIRECTS; after a POST, 301/302/303 continue as a GET.
// HTML is read with the DOMParser of jest's jsdom environment.
const http = require('http')
const https = require('https')
const { URL } = require('url')

const MAX_REDIRECTS = 10

/** One Set-Cookie header -> { name, value, path, maxAge, httpOnly } (attributes other than these are kept aside). */
function parseSetCookie(header, requestUrl) {
  const [pair, ...attributes] = header.split(';').map((part) => part.trim())
  const eq = pair.indexOf('=')
  const cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1).replace(/^"(.*)"$/, '$1'), path: '', maxAge: null, httpOnly: false }
  attributes.forEach((attribute) => {
    const [key, ...rest] = attribute.split('=')
    const value = rest.join('=')
    switch (key.toLowerCase()) {
      case 'path': cookie.path = value; break
      case 'max-age': cookie.maxAge = Number(value); break
      case 'expires': if (cookie.maxAge === null && Date.parse(value) <= Date.now()) cookie.maxAge = 0; break
      case 'httponly': cookie.httpOnly = true; break
      default: break
    }
  })
  if (!cookie.path || !cookie.path.startsWith('/')) {
    // The default path: the request path up to its last '/' (RFC 6265 §5.1.4).
    const requestPath = new URL(requestUrl).pathname
    cookie.path = requestPath.lastIndexOf('/') > 0 ? requestPath.slice(0, requestPath.lastIndexOf('/')) : '/'
  }
  return cookie
}

function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

class WebView {
  constructor() {
    this.cookies = [] // { host, name, value, path, httpOnly }
    this.history = [] // every response: { method, url, statusCode, location, setCookies }
  }

  /** The cookies this browser would send to `url`, as "name=value" strings. */
  cookiesFor(url) {
    const { hostname, pathname } = new URL(url)
    return this.cookies.filter((cookie) => cookie.host === hostname && pathMatches(pathname, cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
  }

  store(setCookies, url) {
    const host = new URL(url).hostname
    setCookies.forEach((header) => {
      const cookie = parseSetCookie(header, url)
      this.cookies = this.cookies.filter((kept) => !(kept.host === host && kept.name === cookie.name && kept.path === cookie.path))
      if (cookie.maxAge === null || cookie.maxAge > 0) this.cookies.push({ host, name: cookie.name, value: cookie.value, path: cookie.path, httpOnly: cookie.httpOnly })
    })
  }

  /** One HTTP exchange, no redirect followed: { statusCode, headers, body, url }. */
  exchange(method, url, { form } = {}) {
    const target = new URL(url)
    const body = form ? new URLSearchParams(form).toString() : null
    const headers = { 'accept': 'text/html', 'accept-language': 'zh-CN,zh;q=0.9', 'user-agent': 'Mozilla/5.0 MicroMessenger (scholar-link e2e web-view)' }
    const cookies = this.cookiesFor(url)
    if (cookies.length) headers.cookie = cookies.join('; ')
    if (body !== null) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers['content-length'] = Buffer.byteLength(body)
    }
    const lib = target.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      const req = lib.request(target, { method, headers, timeout: 15000 }, (resp) => {
        const chunks = []
        resp.on('data', (chunk) => chunks.push(chunk))
        resp.on('end', () => {
          const setCookies = resp.headers['set-cookie'] || []
          this.store(setCookies, url)
          this.history.push({ method, url, statusCode: resp.statusCode, location: resp.headers.location || '', setCookies })
          resolve({ statusCode: resp.statusCode, headers: resp.headers, body: Buffer.concat(chunks).toString('utf8'), url })
        })
      })
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)))
      req.on('error', reject)
      if (body !== null) req.write(body)
      req.end()
    })
  }

  /** Load `url` (GET, or POST with `form`) and follow redirects: the final response. */
  async load(url, { method = 'GET', form } = {}) {
    let current = { method, url, form }
    for (let hops = 0; hops <= MAX_REDIRECTS; hops += 1) {
      const response = await this.exchange(current.method, current.url, { form: current.form })
      if (![301, 302, 303, 307, 308].includes(response.statusCode)) return response
      const next = new URL(response.headers.location, current.url).toString()
      current = [307, 308].includes(response.statusCode) ? { ...current, url: next } : { method: 'GET', url: next }
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`)
  }
}

/** The HTML document of a response (jsdom's DOMParser). */
function documentOf(response) {
  return new DOMParser().parseFromString(response.body, 'text/html')
}

/**
 * What submitting `form` by clicking `button` sends (HTML's form submission algorithm, for the controls used here:
 * inputs of type hidden/text and checked radios/checkboxes, plus the clicked button's name and value), and where:
 * { method, url, form }.
 */
function formSubmission(form, button, pageUrl) {
  const fields = {}
  form.querySelectorAll('input[name]').forEach((input) => {
    const type = (input.getAttribute('type') || 'text').toLowerCase()
    if ((type === 'radio' || type === 'checkbox') && !input.checked) return
    if (['submit', 'button', 'image', 'reset', 'file'].includes(type)) return
    fields[input.name] = input.value
  })
  if (button && button.name) fields[button.name] = button.value
  const method = (form.getAttribute('method') || 'get').toUpperCase()
  const url = new URL(form.getAttribute('action') || pageUrl, pageUrl)
  if (method === 'GET') {
    url.search = new URLSearchParams(fields).toString()
    return { method, url: url.toString() }
  }
  return { method, url: url.toString(), form: fields }
}

module.exports = { WebView, documentOf, formSubmission }
