// Sets the theme before the page paints: the stored choice, else the system's preference.
// Loaded without defer on purpose (it is tiny), so there is no flash of the wrong theme.
(() => {
  const KEY = "tasker-dashboard-theme";
  const root = document.documentElement;
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  const stored = () => {
    try {
      const value = localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch {
      return null;
    }
  };
  const apply = () => {
    root.dataset.theme = stored() ?? (system.matches ? "dark" : "light");
  };
  apply();
  system.addEventListener("change", apply);
  window.taskerTheme = {
    toggle() {
      const next = root.dataset.theme === "dark" ? "light" : "dark";
      try {
        localStorage.setItem(KEY, next);
      } catch {
        // Private mode: the choice lasts for this page only.
      }
      root.dataset.theme = next;
    },
  };
})();
