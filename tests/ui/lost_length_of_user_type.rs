use gradmacro::differentiate;

struct Vec3 {
    x: f64,
    y: f64,
    z: f64,
}

impl Vec3 {
    fn new(x: f64, y: f64, z: f64) -> Vec3 {
        Vec3 { x, y, z }
    }
    // A user's `len` returns a float: not a collection length.
    fn len(&self) -> f64 {
        (self.x * self.x + self.y * self.y + self.z * self.z).sqrt()
    }
}

#[differentiate]
fn speed(vx: f64, vy: f64) -> f64 {
    Vec3::new(vx, vy, 0.0).len()
}

fn main() {}
