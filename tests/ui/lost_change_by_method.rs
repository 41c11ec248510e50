use gradmacro::differentiate;

#[derive(Default)]
struct Data {
    data: f64,
}

impl Data {
    fn set_data(&mut self, u: f64) {
        self.data = u;
    }
}

// The method changes `a`; reading `a.data` afterwards once gave a silent zero.
#[differentiate]
fn g(u: f64) -> f64 {
    let mut a = Data::default();
    a.set_data(u);
    3.0 * a.data
}

fn main() {}
