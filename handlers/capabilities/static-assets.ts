/** A file the gateway serves as it is (the API docs' Swagger UI), read from a pinned package on first request. */
export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
}

/** A file of the built dashboard (dist/web/), with a validator for conditional requests. */
export interface DashboardFile extends StaticAsset {
  etag: string;
}

/** The files of the offline API docs page, by name (`swagger-ui.css`, `swagger-ui-bundle.js`, …). */
export interface StaticAssets {
  /** undefined when the runtime has no such file (unknown names included). */
  docsAsset(name: string): Promise<StaticAsset | undefined>;
  /**
   * A file of the web dashboard by its flat name (`index.html`, `main-3FJ2K.js`); undefined when there is no
   * such file or the dashboard is not built. Runtimes without a dashboard (workerd) leave it out.
   */
  dashboardFile?(name: string): Promise<DashboardFile | undefined>;
}
