// GraphiQL on /graphql, as strawberry's page sets it up, with our assets.
// The staff token of a signed-in window tab (sessionStorage) is offered as
// the default Authorization header.
(function () {
  const parameters = {};
  for (const entry of window.location.search.slice(1).split("&")) {
    const eq = entry.indexOf("=");
    if (eq >= 0) parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(entry.slice(eq + 1));
  }
  function updateURL(data) {
    Object.assign(parameters, data);
    const search = Object.keys(parameters)
      .filter((key) => Boolean(parameters[key]))
      .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
      .join("&");
    history.replaceState(null, null, "?" + search);
  }
  const fetchURL = window.location.href.split("?")[0];
  const subscriptionURL = new URL(fetchURL);
  subscriptionURL.protocol = subscriptionURL.protocol === "https:" ? "wss:" : "ws:";
  subscriptionURL.hash = "";
  const fetcher = GraphiQL.createFetcher({ url: fetchURL, subscriptionUrl: subscriptionURL.toString() });
  const token = window.sessionStorage.getItem("onlineActivity.staffToken");
  const defaultHeaders = token ? JSON.stringify({ Authorization: "Bearer " + token }, null, 2) : undefined;
  const EXAMPLE = "# Online Activity: paste a staff token into Headers, e.g.\n" +
    '# {"Authorization": "Bearer oas_..."}\n\n' +
    "{\n  activityBadge { waiting pending }\n  onlineActivity(first: 5) {\n    ... on ActivityConnection {\n" +
    "      totalCount\n      nodes { __typename ... on ActivityEntry { summary status } }\n    }\n  }\n}\n";

  function App() {
    const [query, setQuery] = React.useState(parameters.q || EXAMPLE);
    const [variables, setVariables] = React.useState(parameters.variables);
    const [headers, setHeaders] = React.useState(parameters.headers || defaultHeaders);
    const explorer = GraphiQLPluginExplorer.explorerPlugin();
    return React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      query,
      variables,
      headers,
      onEditQuery: (q) => { setQuery(q); updateURL({ q }); },
      onEditVariables: (v) => { setVariables(v); updateURL({ variables: v }); },
      onEditHeaders: setHeaders,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    });
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
