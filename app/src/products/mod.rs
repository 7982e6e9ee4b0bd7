//! The starter data product catalogue: definitions to apply as they are or adapt
//! (`verdict product apply app/src/products/*.yaml`). Each is a valid data product without
//! warnings.

pub struct StarterProduct {
    pub key: &'static str,
    pub title: &'static str,
    pub source: &'static str,
}

pub const STARTER_PRODUCTS: [StarterProduct; 2] = [
    StarterProduct {
        key: "customer_profiles",
        title: "Customer profiles: personal data, for support and compliance only",
        source: include_str!("customer_profiles.yaml"),
    },
    StarterProduct {
        key: "payments",
        title: "Payments: refunds go out over the network and need approval",
        source: include_str!("payments.yaml"),
    },
];

#[cfg(test)]
mod tests {
    use verdict_policy::catalogue::{check_product, Approval, Product, RiskTier};

    use super::STARTER_PRODUCTS;

    #[test]
    fn every_starter_product_is_valid_without_warnings_and_named_by_its_key() {
        for starter in &STARTER_PRODUCTS {
            assert_eq!(check_product(starter.source), vec![], "{}", starter.key);
            let product = Product::parse(starter.source).unwrap();
            assert_eq!(product.name().as_str(), starter.key);
        }
    }

    #[test]
    fn refunds_are_network_writes_that_need_approval() {
        let payments = Product::parse(STARTER_PRODUCTS[1].source).unwrap();
        let refund = payments.operation("refund.create").unwrap();
        assert_eq!(refund.risk_tier, RiskTier::Network);
        assert_eq!(refund.approval, Approval::Required);
        let profiles = Product::parse(STARTER_PRODUCTS[0].source).unwrap();
        assert!(profiles.contains_pii());
        assert_eq!(
            profiles.operation("profile.read").unwrap().risk_tier,
            RiskTier::ReadOnly
        );
    }
}
