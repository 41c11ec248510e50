use gradmacro::differentiate;

mod user {
    pub struct Real;

    impl Real {
        pub fn sqrt(x: f64) -> f64 {
            2.0 * x
        }
    }
}

// `user::Real` is not num-traits' `Real`: this is a call to a user function.
#[differentiate]
fn doubled(x: f64) -> f64 {
    user::Real::sqrt(x)
}

fn main() {}
