package io.stageboundary.operator.aws;

/** Reads an organisation's structure. One implementation calls AWS; tests use small fakes. */
public interface OrganizationDirectory {
  OrganizationSnapshot read();
}
