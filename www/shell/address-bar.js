// The address bar and the back / forward / reload / home buttons of the iframe.

const SITE_PREFIX = '/site';

/**
 * @param {HTMLIFrameElement} frame
 */
export function mountAddressBar(frame, { form, input, back, forward, reload, home }) {
  const sitePath = () => {
    try {
      const { pathname, search, hash } = frame.contentWindow.location;
      return (pathname.startsWith(SITE_PREFIX) ? pathname.slice(SITE_PREFIX.length) : pathname) + search + hash;
    } catch {
      return input.value;
    }
  };
  const navigate = (path) => {
    const clean = path.trim() || '/';
    frame.src = `site${clean.startsWith('/') ? clean : `/${clean}`}`;
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
