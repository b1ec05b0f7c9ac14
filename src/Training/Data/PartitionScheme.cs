namespace FederatedHe.Training.Data;

/// <summary>How the training set is split across hospitals.</summary>
public enum PartitionScheme
{
    /// <summary>Independent and identically distributed: each hospital a stratified random share.</summary>
    Iid,

    /// <summary>Label-skewed: class proportions per hospital drawn from Dirichlet(α).</summary>
    Dirichlet,

    /// <summary>Quantity-skewed: hospital sizes drawn from Dirichlet(α).</summary>
    QuantitySkewed,
}
