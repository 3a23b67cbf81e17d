// Draws the neighbourhood graph of a resource with cytoscape.js (elements from the JSON
// element #graph-data); clicking a node opens its page (the page lists the same links for
// keyboard and screen-reader users).
(function () {
  "use strict";
  const container = document.getElementById("graph");
  const data = document.getElementById("graph-data");
  if (!container || !data || typeof cytoscape !== "function") { return; }
  const elements = JSON.parse(data.textContent);
  const colours = { programme: "#2f6fab", organisation: "#b5542b", country: "#2e8540", sector: "#7b4fa0", document: "#6b6b6b" };
  const crowded = elements.nodes.length > 25;
  const cy = cytoscape({
    container: container,
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 150,
        "text-valign": "bottom", "text-margin-y": 3, "width": 14, "height": 14, "min-zoomed-font-size": 7,
        "text-opacity": crowded ? 0 : 1, "text-background-color": "#fff", "text-background-opacity": 0.8,
        "text-background-padding": 1,
        "background-color": function (node) { return colours[node.data("kind")] || "#999"; },
      } },
      { selector: "node[?centre]", style: { "width": 30, "height": 30, "font-size": 14, "font-weight": "bold",
        "text-opacity": 1, "border-width": 3, "border-color": "#17324d", "z-index": 10 } },
      { selector: "node.near", style: { "text-opacity": 1, "z-index": 9 } },
      { selector: "edge", style: {
        "width": 1, "line-color": "#c5ced8", "curve-style": "bezier", "target-arrow-shape": "triangle",
        "target-arrow-color": "#c5ced8", "arrow-scale": 0.6, "font-size": 8, "color": "#555",
        "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8,
      } },
      { selector: "edge.near", style: { "label": "data(label)", "line-color": "#5d7a99", "target-arrow-color": "#5d7a99",
        "width": 2 } },
    ],
    layout: { name: "cose", animate: false, padding: 24, randomize: false, idealEdgeLength: function () { return crowded ? 90 : 120; },
              nodeRepulsion: function () { return crowded ? 9000 : 6000; }, nodeOverlap: 12, numIter: 1500 },
  });
  // pointing at a node names it, its neighbours and the links between them
  cy.on("mouseover", "node", function (event) {
    container.style.cursor = "pointer";
    event.target.closedNeighborhood().addClass("near");
  });
  cy.on("mouseout", "node", function (event) {
    container.style.cursor = "";
    event.target.closedNeighborhood().removeClass("near");
  });
  cy.on("tap", "node", function (event) {
    const href = event.target.data("href");
    if (href) { window.location.assign(href); }
  });
})();
