// Starts YASGUI on the endpoint of this page, with the prefixes prefilled and the named
// queries as example tabs (configuration from the JSON script element rendered by the server).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("mdgraph-ui-config").textContent);
  const endpoint = new URL(config.endpoint, document.baseURI).href;
  Yasgui.Yasqe.defaults.value = config.default_query;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: "mdgraph-yasgui",
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });
  const open = new Set(Object.values(yasgui._tabs).map(function (tab) { return tab.getName(); }));
  config.tabs.forEach(function (example) {
    if (open.has(example.name)) { return; }
    yasgui.addTab(false, Object.assign(Yasgui.Tab.getDefaults(yasgui), {
      name: example.name,
      yasqe: { value: example.query },
      requestConfig: Object.assign({}, Yasgui.Tab.getDefaults(yasgui).requestConfig, { endpoint: endpoint, method: "POST" }),
    }));
  });
})();
