// The address bar and the back / forward / reload / home buttons of the iframe.
// It shows paths on the site ("/course/view.php?id=2"), without this tab's
// site prefix ("/site/<client id>", see www/sw-bridge.js).

/**
 * @param {HTMLIFrameElement} frame
 * @param {{ sitePath: string } & Record<string, HTMLElement>} parts sitePath: the site's path, e.g. "/site/<id>"
 */
export function mountAddressBar(frame, { sitePath: prefix, form, input, back, forward, reload, home }) {
  const sitePath = () => {
    try {
      const { pathname, search, hash } = frame.contentWindow.location;
      return stripPrefix(pathname, prefix) + search + hash;
    } catch {
      return input.value;
    }
  };
  const navigate = (path) => {
    const clean = path.trim() || '/';
    frame.src = `${prefix}${clean.startsWith('/') ? clean : `/${clean}`}`;
  };
  frame.addEventListener('load', () => {
    if (document.activeElement !== input) input.value = sitePath();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(input.value);
  });
  back.addEventListener('click', () => frame.contentWindow.history.back());
  forward.addEventListener('click', () => frame.contentWindow.history.forward());
  reload.addEventListener('click', () => frame.contentWindow.location.reload());
  home.addEventListener('click', () => navigate('/'));
  return { navigate, currentPath: sitePath };
}

/** `pathname` as a path on the site under `prefix`; a path elsewhere is shown whole. */
export function stripPrefix(pathname, prefix) {
  if (pathname === prefix) return '/';
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : pathname;
}
