from telehealth import create_app

app = create_app()
