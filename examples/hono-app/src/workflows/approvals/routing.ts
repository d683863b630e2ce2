// Which approval a refund needs, and what the (simulated) manager decides. Pure.

/** The branch of route_refund for an amount: auto_approve up to the limit, else manager_approval. */
export function approvalStep(amount: number, autoApproveLimit: number): "auto_approve" | "manager_approval" {
  return amount <= autoApproveLimit ? "auto_approve" : "manager_approval";
}

/** The manager's answer: approve up to their limit, reject above it. */
export function managerDecision(amount: number, approvalLimit: number): "approved" | "rejected" {
  return amount <= approvalLimit ? "approved" : "rejected";
}
