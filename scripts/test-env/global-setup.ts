// Placeholder: replaced by the test environment (registries, test images).
export default async function setup(): Promise<void> {}
