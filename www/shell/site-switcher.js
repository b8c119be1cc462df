// Switches the playground between the applications it can run (a reload with
// another `profile`: one worker runs one application).

export function mountSiteSwitcher(select, current) {
  select.value = current;
  select.addEventListener('change', () => {
    const params = new URLSearchParams(location.search);
    params.set('profile', select.value);
    params.delete('bundle');
    params.delete('path');
    location.search = params.toString();
  });
}
